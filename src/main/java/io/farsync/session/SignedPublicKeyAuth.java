package io.farsync.session;

import java.security.KeyPair;
import java.security.PublicKey;
import org.apache.sshd.client.auth.AbstractUserAuth;
import org.apache.sshd.client.auth.AbstractUserAuthFactory;
import org.apache.sshd.client.auth.UserAuth;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
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

    private final KeyPair identity;
    private boolean sent;

    private SignedPublicKeyAuth(KeyPair identity) {
        super(NAME);
        this.identity = identity;
    }

    /** The login factory for {@code identity}: one-step for Ed25519, sshd's own otherwise. */
    static org.apache.sshd.client.auth.UserAuthFactory factoryFor(KeyPair identity) {
        if (!KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(identity.getPublic()))) {
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
        if (sent) {
            return false;  // refused: no other key to offer
        }
        sent = true;
        String algorithm = KeyPairProvider.SSH_ED25519;
        PublicKey key = identity.getPublic();
        Buffer signed = new ByteArrayBuffer();
        signed.putBytes(session.getSessionId());
        signed.putByte(SshConstants.SSH_MSG_USERAUTH_REQUEST);
        putRequest(signed, session.getUsername(), service, algorithm, key);
        Signature signer = BuiltinSignatures.ed25519.create();
        signer.initSigner(session, identity.getPrivate());
        signer.update(session, signed.getCompactData());
        Buffer signature = new ByteArrayBuffer();
        signature.putString(algorithm);
        signature.putBytes(signer.sign(session));

        Buffer request = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
        putRequest(request, session.getUsername(), service, algorithm, key);
        request.putBytes(signature.getCompactData());
        session.writePacket(request);
        return true;
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
