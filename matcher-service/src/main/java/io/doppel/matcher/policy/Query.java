package io.doppel.matcher.policy;

/** The upload being decided: its tenant, id and uploader (uploader may be null). */
public record Query(String tenant, String imageId, String uploader) {}
