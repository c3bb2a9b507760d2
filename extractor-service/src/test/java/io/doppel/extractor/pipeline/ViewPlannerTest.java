package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.TestImages;
import io.doppel.extractor.decode.BgrImage;
import io.doppel.schemas.avro.ViewKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewPlannerTest {

  @Test
  void tileStartsStepByHalfASideAndEndFlush() {
    assertThat(ViewPlanner.tileStarts(1000, 200, 64)).containsExactly(0, 100, 200, 300, 400, 500, 600, 700, 800);
    assertThat(ViewPlanner.tileStarts(1050, 200, 64)).first().isEqualTo(0);
    assertThat(ViewPlanner.tileStarts(1050, 200, 64)).last().isEqualTo(850);
    assertThat(ViewPlanner.tileStarts(200, 200, 64)).containsExactly(0);
  }

  @Test
  void tileCountIsCappedButStillCoversTheStrip() {
    List<Integer> starts = ViewPlanner.tileStarts(10_000, 100, 8);
    assertThat(starts).hasSize(8).first().isEqualTo(0);
    assertThat(starts.getLast()).isEqualTo(9_900);
  }

  @Test
  void wideImagesAreTiledAcross() {
    ViewPlanner planner = new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());
    List<PlannedView> views = planner.plan(BgrImage.of(TestImages.scene(900, 300, 3)));

    List<PlannedView> tiles = views.stream().filter(v -> v.kind() == ViewKind.TILE).toList();
    assertThat(tiles).extracting(v -> v.region().getX()).containsExactly(0, 150, 300, 450, 600);
    assertThat(tiles).allSatisfy(t -> assertThat(t.pixels().width()).isEqualTo(300));
    assertThat(views.get(1).kind()).isEqualTo(ViewKind.MIRROR);
  }

  @Test
  void mirrorCanBeSwitchedOff() {
    ViewPlanner planner = new ViewPlanner(Fixtures.config("views.mirror", "false").views(), Fixtures.config().local());
    assertThat(planner.plan(BgrImage.of(TestImages.scene(100, 100, 3)))).extracting(PlannedView::kind).containsExactly(ViewKind.FULL);
  }
}
