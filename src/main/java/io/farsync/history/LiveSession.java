package io.farsync.history;

import java.time.Instant;

/**
 * A running session's progress right now.
 *
 * @param plannedFiles    files the source said it will send (0 until it knows)
 * @param plannedBytes    bytes the source said it will send (0 until it knows)
 * @param bytesPerSecond  payload rate over the last second or so (since the previous look,
 *                        at least {@value Recording#RATE_WINDOW_MILLIS} ms back)
 */
public record LiveSession(
        long id,
        Instant startedAt,
        String user,
        String peer,
        Direction direction,
        String path,
        long files,
        long bytes,
        long deleted,
        long errors,
        long plannedFiles,
        long plannedBytes,
        double bytesPerSecond) {
}
