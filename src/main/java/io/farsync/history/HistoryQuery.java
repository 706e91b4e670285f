package io.farsync.history;

import java.time.Instant;

/**
 * A history search; null fields match everything.
 *
 * @param text   substring of the session's path or of any of its entries' paths
 * @param from   sessions started at or after
 * @param to     sessions started before
 * @param limit  page size, 1 to {@value #MAX_LIMIT}
 * @param offset sessions to skip (newest first)
 */
public record HistoryQuery(String text, SessionStatus status, String user, Instant from, Instant to, int limit, int offset) {
    public static final int MAX_LIMIT = 10_000;

    public HistoryQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit (" + limit + ") must be between 1 and " + MAX_LIMIT);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset (" + offset + ") must not be negative");
        }
        text = text == null || text.isEmpty() ? null : text;
        user = user == null || user.isEmpty() ? null : user;
    }

    /** Everything, newest first, 50 to a page. */
    public static HistoryQuery all() {
        return new HistoryQuery(null, null, null, null, null, 50, 0);
    }

    public HistoryQuery withText(String t) {
        return new HistoryQuery(t, status, user, from, to, limit, offset);
    }

    public HistoryQuery withStatus(SessionStatus s) {
        return new HistoryQuery(text, s, user, from, to, limit, offset);
    }

    public HistoryQuery withUser(String u) {
        return new HistoryQuery(text, status, u, from, to, limit, offset);
    }

    public HistoryQuery between(Instant f, Instant t) {
        return new HistoryQuery(text, status, user, f, t, limit, offset);
    }

    public HistoryQuery page(int l, int o) {
        return new HistoryQuery(text, status, user, from, to, l, o);
    }
}
