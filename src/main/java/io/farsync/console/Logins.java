package io.farsync.console;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logged-in browser sessions, in memory (a console restart logs everyone out). The cookie holds
 * only a random id; each session has its own CSRF token that state-changing requests must echo
 * in a header, which a cross-site page cannot read or set. A session remembers the password hash
 * it logged in with, so the console can end it once the password is changed; the role is not
 * kept here but read from the database on every request.
 */
final class Logins {
    /** A session unused this long is gone. */
    static final Duration IDLE = Duration.ofHours(8);

    record Login(String id, String user, String passwordHash, String csrf, Instant lastUsed) {
        boolean csrfMatches(String header) {
            return header != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Map<String, Login> byId = new ConcurrentHashMap<>();
    private final Clock clock;

    Logins(Clock clock) {
        this.clock = clock;
    }

    Login create(String user, String passwordHash) {
        Login l = new Login(Passwords.randomToken(32), user, passwordHash, Passwords.randomToken(32), clock.instant());
        byId.put(l.id(), l);
        return l;
    }

    /** The live session with this cookie value, its idle timer restarted. */
    Optional<Login> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Login l = byId.computeIfPresent(id, (k, v) -> v.lastUsed().plus(IDLE).isBefore(now) ? null
                : new Login(v.id(), v.user(), v.passwordHash(), v.csrf(), now));
        return Optional.ofNullable(l);
    }

    void remove(String id) {
        if (id != null) {
            byId.remove(id);
        }
    }

    /** Ends every session of {@code user} (removed, or their password changed). */
    void removeUser(String user) {
        byId.values().removeIf(l -> l.user().equals(user));
    }
}
