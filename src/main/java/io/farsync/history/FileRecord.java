package io.farsync.history;

import java.time.Instant;

/**
 * One entry a session touched.
 *
 * @param action transferred, directory, symlink, deleted, metadata; or failed
 * @param result "ok", or "failed" with the reason in {@code error}
 */
public record FileRecord(long sessionId, Instant time, String path, long size, String action, String result, String error) {
}
