package io.farsync.session;

import io.farsync.transport.TransportConnection;

/**
 * What a server does with an authenticated request: the session layer authenticates, exchanges
 * keys and brings the transport up; the handler (a front end wiring in the sync engine) decides
 * whether to take the job and runs it.
 */
public interface SessionHandler {

    /**
     * Validates {@code request} from the authenticated {@code user} and prepares the job (resolve
     * paths, open databases). Throws {@link io.farsync.common.FarsyncException} to refuse: its exit
     * code and message reach the client. Called before the transport exists.
     */
    Job open(SessionRequest request, String user);

    /** {@link #open(SessionRequest, String)}, also told the client's address (for the history). */
    default Job open(SessionRequest request, String user, String peer) {
        return open(request, user);
    }

    /** A prepared job. */
    interface Job extends AutoCloseable {
        /**
         * Runs the job over the established transport; returns normally on success. A
         * {@link io.farsync.common.FarsyncException} carries its exit code to the client; any
         * other exception reports as a transfer failure.
         */
        void run(TransportConnection connection) throws Exception;

        /** Releases what {@link #open} acquired; called once, after {@link #run} or instead of it. */
        @Override
        void close();
    }
}
