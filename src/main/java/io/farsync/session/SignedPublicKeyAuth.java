package io.farsync.session;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import org.apache.sshd.client.auth.AbstractUserAuth;
import org.apache.sshd.client.auth.AbstractUserAuthFactory;
import org.apache.sshd.client.auth.UserAuth;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Public-key login in one round trip: sends the signed request at once (RFC 4252, section 7,
 * allows it) instead of MINA's query first ("may I use this key?", SSH_MSG_USERAUTH_PK_OK) and the
 * signature a round trip later. Worth a class because that round trip is 0.6 s at 600 ms RTT and
 * sshd has no setting to skip the query. The client has exactly one key, so the query would only
 * save a signature (microseconds) for a key the server then refuses anyway. Ed25519 only, the key
 * type {@code farsync keygen} makes; other key types keep sshd's two-step login.
 */
final class SignedPublicKeyAuth extends AbstractUserAuth {
    static final String NAME = UserAuthPublicKey.NAME;

    /** Set on a session once its signed request went out (by this class or {@link PipelinedLogin}). */
    private static final AttributeRepository.AttributeKey<Boolean> SENT = new AttributeRepository.AttributeKey<>();

    private final KeyPair identity;
    private boolean sent;

    private SignedPublicKeyAuth(KeyPair identity) {
        super(NAME);
        this.identity = identity;
    }

    /** The login factory for {@code identity}: one-step for Ed25519, sshd's own otherwise. */
    static org.apache.sshd.client.auth.UserAuthFactory factoryFor(KeyPair identity) {
        if (!isEd25519(identity)) {
            return org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory.INSTANCE;
        }
        return new AbstractUserAuthFactory(NAME) {
            @Override
            public UserAuth createUserAuth(ClientSession session) {
                return new SignedPublicKeyAuth(identity);
            }
        };
    }

    @Override
    protected boolean sendAuthDataRequest(ClientSession session, String service) throws Exception {
        if (sent || session.getAttribute(SENT) != null) {
            return false;  // refused: no other key to offer
        }
        sent = true;
        sendSigned(session, service, identity);
        return true;
    }

    /**
     * Writes the signed login request for {@code identity} (Ed25519) on {@code session}, whose key
     * exchange is complete, and marks the session so that no second attempt follows a refusal.
     */
    static IoWriteFuture sendSigned(ClientSession session, String service, KeyPair identity) throws IOException {
        String algorithm = KeyPairProvider.SSH_ED25519;
        PublicKey key = identity.getPublic();
        Buffer signed = new ByteArrayBuffer();
        signed.putBytes(session.getSessionId());
        signed.putByte(SshConstants.SSH_MSG_USERAUTH_REQUEST);
        putRequest(signed, session.getUsername(), service, algorithm, key);
        Buffer signature = new ByteArrayBuffer();
        signature.putString(algorithm);
        try {
            Signature signer = BuiltinSignatures.ed25519.create();
            signer.initSigner(session, identity.getPrivate());
            signer.update(session, signed.getCompactData());
            signature.putBytes(signer.sign(session));
        } catch (Exception e) {
            throw new IOException("cannot sign the login request: " + e.getMessage(), e);
        }

        Buffer request = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
        putRequest(request, session.getUsername(), service, algorithm, key);
        request.putBytes(signature.getCompactData());
        session.setAttribute(SENT, Boolean.TRUE);
        return session.writePacket(request);
    }

    /** Whether {@code identity} is an Ed25519 key, the one type signed here. */
    static boolean isEd25519(KeyPair identity) {
        return KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(identity.getPublic()));
    }

    private static void putRequest(Buffer b, String user, String service, String algorithm, PublicKey key) {
        b.putString(user);
        b.putString(service);
        b.putString(NAME);
        b.putBoolean(true);
        b.putString(algorithm);
        b.putPublicKey(key);
    }

    @Override
    protected boolean processAuthDataRequest(ClientSession session, String service, Buffer buffer) {
        // the signed request is answered by success or failure only, which sshd handles itself
        return false;
    }
}
