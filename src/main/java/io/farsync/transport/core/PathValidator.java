package io.farsync.transport.core;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Decides which peer address a server sends to, so that a datagram arriving from a new address
 * can never redirect the connection by itself. Sans-IO, like {@link Connection}: the address type
 * is the driver's ({@code InetSocketAddress} on real sockets, a name in simulations).
 *
 * <p>The idea is QUIC's path validation (RFC 9000, sections 8.2 and 9). A datagram can be
 * authentic and still arrive from a foreign address: an on-path attacker can copy a captured
 * datagram and race it from anywhere. So an address is trusted only once the peer has proved it
 * receives there: the server sends a PATH_CHALLENGE with 8 random bytes to the address, and only
 * a holder of the session keys who reads datagrams sent there can echo them in a PATH_RESPONSE
 * (from any address). Until then:
 * <ul>
 *   <li>ordinary datagrams keep going to the last validated address; the authentic content of the
 *       foreign datagram is still used (only a relay of the genuine peer could have sent it);</li>
 *   <li>an unvalidated address receives at most {@value #AMPLIFICATION_FACTOR} times the bytes it
 *       sent (the anti-amplification limit, RFC 9000 section 8), so the server cannot be used to
 *       flood a victim whose address an attacker spoofs;</li>
 *   <li>a challenge goes out at most {@value #MAX_CHALLENGES} times, a probe timeout apart; an
 *       address that does not answer is forgotten.</li>
 * </ul>
 * The connection moves to a newly validated address only if the newest authentic datagram came
 * from it (a genuine migration, e.g. NAT rebinding), and moves back at once to an already
 * validated address that sends the newest datagram (RFC 9000 section 9.3.2: revert after a
 * spurious migration). The very first address is used before it is validated, within the
 * amplification limit, because the server knows no other; it is challenged like any other.
 *
 * <p>Bounded: at most {@value #MAX_CANDIDATES} addresses under validation and
 * {@value #MAX_VALIDATED} validated ones are remembered, the oldest dropped first.
 *
 * @param <A> the driver's address type; needs {@code equals} and {@code hashCode}
 */
public final class PathValidator<A> {

    /** Bytes an unvalidated address may receive per byte it sent. */
    public static final int AMPLIFICATION_FACTOR = 3;
    static final int MAX_CHALLENGES = 3;
    static final int MAX_CANDIDATES = 4;
    static final int MAX_VALIDATED = 4;

    /** A challenge to send now: {@link Connection#sealPathChallenge} with {@code data}, to {@code address}. */
    public record Challenge<A>(A address, long data) {
    }

    private static final class Candidate {
        final long data;
        long budget;
        int sent;
        long nextSend = Long.MIN_VALUE;

        Candidate(long data) {
            this.data = data;
        }
    }

    private final Random random;
    private final Map<A, Candidate> candidates = new LinkedHashMap<>();
    private final LinkedHashSet<A> validated = new LinkedHashSet<>();
    private A current;
    private A newestSource;
    private long datagramsFromUnvalidated;
    private long challengesSent;
    private long validations;
    private long failedValidations;
    private long migrations;

    /** {@code random} draws the challenge data: a {@code SecureRandom} outside tests. */
    public PathValidator(Random random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Where ordinary datagrams go; null until the first authentic datagram. */
    public A current() {
        return current;
    }

    public boolean isValidated(A address) {
        return validated.contains(address);
    }

    /**
     * Call after {@link Connection#receive} accepted a datagram of {@code len} bytes from
     * {@code from}; {@code newest} if it was {@link Connection#ACCEPTED_NEWEST}.
     */
    public void onAuthentic(A from, int len, boolean newest) {
        Objects.requireNonNull(from, "from");
        if (newest) {
            newestSource = from;
        }
        if (validated.contains(from)) {
            validated.remove(from);
            validated.add(from);
            if (newest && !from.equals(current)) {
                current = from;
                migrations++;
            }
            return;
        }
        datagramsFromUnvalidated++;
        Candidate c = candidates.get(from);
        if (c == null) {
            if (!newest) {
                return;
            }
            c = new Candidate(random.nextLong());
            candidates.put(from, c);
            if (candidates.size() > MAX_CANDIDATES) {
                Iterator<A> oldest = candidates.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        c.budget += (long) AMPLIFICATION_FACTOR * len;
        if (current == null) {
            current = from;
        }
    }

    /** Call for each PATH_RESPONSE the connection received ({@link Connection#onPathResponse}). */
    public void onPathResponse(long data) {
        for (Iterator<Map.Entry<A, Candidate>> it = candidates.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<A, Candidate> e = it.next();
            if (e.getValue().data != data) {
                continue;
            }
            it.remove();
            A address = e.getKey();
            validated.add(address);
            validations++;
            if (validated.size() > MAX_VALIDATED) {
                validated.remove(validated.stream().filter(a -> !a.equals(current)).findFirst().orElseThrow());
            }
            boolean currentTrusted = current != null && validated.contains(current) && !current.equals(address);
            if (!address.equals(current) && (address.equals(newestSource) || !currentTrusted)) {
                current = address;
                migrations++;
            }
            return;
        }
    }

    /** Bytes that may go to {@link #current()} now: unlimited once validated. */
    public long sendAllowance() {
        if (current == null) {
            return 0;
        }
        if (validated.contains(current)) {
            return Long.MAX_VALUE;
        }
        Candidate c = candidates.get(current);
        return c == null ? 0 : c.budget;
    }

    /** Counts {@code bytes} sent to {@code to} against its amplification limit. */
    public void onSent(A to, int bytes) {
        Candidate c = candidates.get(to);
        if (c != null) {
            c.budget -= bytes;
        }
    }

    /**
     * The challenge to send now, if any, already counted as sent: {@code datagramBytes} come off
     * the address's amplification budget and the next try is due {@code intervalNanos} later.
     * Addresses that did not answer their last try by then are forgotten.
     */
    public Challenge<A> pollChallenge(long now, long intervalNanos, int datagramBytes) {
        Challenge<A> due = null;
        for (Iterator<Map.Entry<A, Candidate>> it = candidates.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<A, Candidate> e = it.next();
            Candidate c = e.getValue();
            if (now < c.nextSend) {
                continue;
            }
            if (c.sent >= MAX_CHALLENGES) {
                it.remove();
                failedValidations++;
            } else if (due == null && c.budget >= datagramBytes) {
                c.sent++;
                c.budget -= datagramBytes;
                c.nextSend = now + intervalNanos;
                challengesSent++;
                due = new Challenge<>(e.getKey(), c.data);
            }
        }
        return due;
    }

    /** When {@link #pollChallenge} next has something to do; Long.MAX_VALUE if nothing is scheduled. */
    public long nextTimer(int datagramBytes) {
        long t = Long.MAX_VALUE;
        for (Candidate c : candidates.values()) {
            if (c.sent >= MAX_CHALLENGES || c.budget >= datagramBytes) {
                t = Math.min(t, c.nextSend);
            }
        }
        return t;
    }

    /** Authentic datagrams that arrived from an address not (yet) validated. */
    public long datagramsFromUnvalidated() {
        return datagramsFromUnvalidated;
    }

    public long challengesSent() {
        return challengesSent;
    }

    /** Addresses that answered a challenge. */
    public long validations() {
        return validations;
    }

    /** Addresses that never answered their challenges. */
    public long failedValidations() {
        return failedValidations;
    }

    /** Times {@link #current()} changed from one address to another. */
    public long migrations() {
        return migrations;
    }

    @Override
    public String toString() {
        return String.format("paths[current %s%s, from unvalidated %d, challenges %d, validated %d, failed %d, migrations %d]",
                current, current != null && validated.contains(current) ? " (validated)" : "", datagramsFromUnvalidated,
                challengesSent, validations, failedValidations, migrations);
    }
}
