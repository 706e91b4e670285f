package io.farsync.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * What a client asks of a server in the first control message: which job, where, and the
 * transport secrets and settings. Travels only inside the authenticated, encrypted SSH channel.
 *
 * @param protocol      control protocol version ({@link #PROTOCOL})
 * @param serverRole    what the server side does in the job: "source", "destination" or "bidi"
 *                      (bidirectional: the server receives first, then sends; see
 *                      {@link io.farsync.sync.BidiEndpoint})
 * @param path          the path the client named, resolved inside the server's root
 * @param sessionId     names the sync session (and its snapshot databases); 16-64 hex digits
 * @param keys          base64 of {@link io.farsync.transport.SessionKeys#toBytes()}
 * @param rateBitsPerSecond the target rate the server paces its own sending at
 * @param datagramSize  UDP payload size both sides use
 * @param options       job options, string-valued, interpreted by the job handler
 * @param policy        rate policy the server's sending follows: fixed, high, fair or low (null: fair)
 * @param minRateBitsPerSecond the floor of an adaptive policy, 0 for none
 * @param rttMicros     the round-trip time the client measured during the SSH handshake, 0 if
 *                      unknown: the server sizes its first flight of data from it
 * @param probeDatagramSize whether the server finds its datagram size by path MTU probing, up
 *                      to {@code datagramSize} (false, as from older clients: exactly that size)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionRequest(
        int protocol,
        String serverRole,
        String path,
        String sessionId,
        String keys,
        long rateBitsPerSecond,
        int datagramSize,
        Map<String, String> options,
        String policy,
        long minRateBitsPerSecond,
        long rttMicros,
        boolean probeDatagramSize) {

    public static final int PROTOCOL = 1;
    public static final String SOURCE = "source";
    public static final String DESTINATION = "destination";
    public static final String BIDI = "bidi";

    public SessionRequest {
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** True for the roles this version serves: {@link #SOURCE}, {@link #DESTINATION}, {@link #BIDI}. */
    public static boolean isKnownRole(String role) {
        return SOURCE.equals(role) || DESTINATION.equals(role) || BIDI.equals(role);
    }

    /** This request carrying {@code encodedKeys} (base64). */
    public SessionRequest withKeys(String encodedKeys) {
        return new SessionRequest(protocol, serverRole, path, sessionId, encodedKeys, rateBitsPerSecond, datagramSize, options,
                policy, minRateBitsPerSecond, rttMicros, probeDatagramSize);
    }

    /** This request carrying the round-trip time the client measured. */
    public SessionRequest withRtt(java.time.Duration rtt) {
        return new SessionRequest(protocol, serverRole, path, sessionId, keys, rateBitsPerSecond, datagramSize, options,
                policy, minRateBitsPerSecond, rtt.toNanos() / 1000, probeDatagramSize);
    }

    @Override
    public String toString() {
        return "SessionRequest[" + serverRole + " " + path + " session " + sessionId + "]";
    }
}
