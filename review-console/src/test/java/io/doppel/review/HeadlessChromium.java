package io.doppel.review;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium}, headless, driven through its {@code chromedriver}: the browser the console's browser tests
 * use here and in {@code standalone}. {@code scripts/test.sh} installs both where apt-get is available; elsewhere the
 * tests skip and say so.
 */
public final class HeadlessChromium {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private HeadlessChromium() {}

  /** Skips the calling test, saying so on stdout, where Chromium or its driver is missing. */
  public static void assumeInstalled(String test) {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!installed) {
      System.out.println(
          "SKIPPED " + test + ": needs " + CHROMIUM + " and " + CHROMEDRIVER
              + " (Debian's chromium and chromium-driver; scripts/test.sh installs them where apt-get is available)");
    }
    assumeTrue(installed, "no headless Chromium here");
  }

  /**
   * A fresh browser with its own profile in {@code profile}. Background networking, updates and sync are off: the
   * tests' hosts may have no network, and nothing but the page under test should reach a server.
   */
  public static ChromeDriver start(Path profile, int width, int height) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }
}
