package io.farsync.history;

import java.time.Instant;

/**
 * One sync session as the history knows it.
 *
 * @param id              unique within one history database, increasing
 * @param endedAt         null while running
 * @param user            the SSH user the client authenticated as
 * @param peer            the client's address as the server saw it
 * @param path            the path the client named, relative to the server's root
 * @param files           files whose contents were transferred
 * @param bytes           file payload bytes transferred
 * @param deleted         entries deleted at the destination
 * @param errors          entries that failed
 * @param error           why the session failed or was stopped; null otherwise
 * @param filesUnrecorded per-file records dropped because the history writer fell behind
 */
public record SessionRecord(
        long id,
        Instant startedAt,
        Instant endedAt,
        String user,
        String peer,
        Direction direction,
        String path,
        SessionStatus status,
        long files,
        long bytes,
        long deleted,
        long errors,
        String error,
        long filesUnrecorded) {
}
