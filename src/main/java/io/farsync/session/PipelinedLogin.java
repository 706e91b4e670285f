package io.farsync.session;

import java.io.IOException;
import java.security.KeyPair;
import java.util.function.Consumer;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientUserAuthService;
import org.apache.sshd.client.session.ClientUserAuthServiceFactory;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;

/**
 * The client's login service, two round trips shorter than sshd's: its first request is the
 * signed public-key login itself, not a "none" login that asks the server for its methods (one
 * round trip), and the channel is opened right behind it in the same flight, not after the
 * success arrives (another). At 600 ms RTT each is 0.6 s of every sync.
 *
 * <p>Both are what the SSH protocol allows: RFC 4252 section 5 lets a client send any method
 * first, and (section 5.1) passes what a client sends after the request that succeeds to the next
 * service, so a server processes the pipelined CHANNEL_OPEN only once the login has succeeded;
 * sshd's own server does (it handles a connection's packets in order). The channel open is a
 * {@link JobOpenChannel} and carries the job request with the transport keys: it goes only to the
 * server whose host key was verified before the client's NEWKEYS, encrypted, and that server acts
 * on it only after the login succeeded. If the login is refused, the server drops the connection
 * at the unexpected CHANNEL_OPEN, after its USERAUTH_FAILURE, and the client reports the refused
 * key as before.
 *
 * <p>A subclass of sshd's service because sshd has no setting for either: the "none" request is
 * {@link ClientUserAuthService#sendInitialAuthRequest}, which this overrides.
 */
final class PipelinedLogin extends ClientUserAuthService {
    private final KeyPair identity;
    private final Consumer<ClientSession> afterRequest;

    private PipelinedLogin(Session session, KeyPair identity, Consumer<ClientSession> afterRequest) {
        super(session);
        this.identity = identity;
        this.afterRequest = afterRequest;
    }

    /**
     * The login service for an Ed25519 {@code identity}; {@code afterRequest} runs on sshd's I/O
     * thread right after the signed request was written, before any answer: it opens the job channel.
     */
    static ClientUserAuthServiceFactory factory(KeyPair identity, Consumer<ClientSession> afterRequest) {
        if (!SignedPublicKeyAuth.isEd25519(identity)) {
            throw new IllegalArgumentException("pipelined login signs Ed25519 keys only, not "
                    + identity.getPublic().getAlgorithm());
        }
        return new ClientUserAuthServiceFactory() {
            @Override
            public Service create(Session session) throws IOException {
                return new PipelinedLogin(session, identity, afterRequest);
            }
        };
    }

    @Override
    protected IoWriteFuture sendInitialAuthRequest(ClientSession session, String service) throws IOException {
        IoWriteFuture written = SignedPublicKeyAuth.sendSigned(session, service, identity);
        afterRequest.accept(session);
        return written;
    }
}
