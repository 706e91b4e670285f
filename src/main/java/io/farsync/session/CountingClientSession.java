package io.farsync.session;

import org.apache.sshd.client.ClientFactoryManager;
import org.apache.sshd.client.session.ClientSessionImpl;
import org.apache.sshd.client.session.SessionFactory;
import org.apache.sshd.common.io.IoSession;

/** A client session that exposes sshd's own byte and packet counters for --stats-json. */
final class CountingClientSession extends ClientSessionImpl {
    private static final int TCP_IP_HEADER = 40;

    CountingClientSession(ClientFactoryManager client, IoSession ioSession) throws Exception {
        super(client, ioSession);
    }

    long wireBytes() {
        return inBytesCount.get() + outBytesCount.get() + TCP_IP_HEADER * (inPacketsCount.get() + outPacketsCount.get());
    }

    static final class Factory extends SessionFactory {
        Factory(ClientFactoryManager client) {
            super(client);
        }

        @Override
        protected ClientSessionImpl doCreateSession(IoSession ioSession) throws Exception {
            return new CountingClientSession(getClient(), ioSession);
        }
    }
}
