package io.farsync.session;

import java.io.IOException;
import org.apache.sshd.client.channel.ChannelSession;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * The client's end of a job channel ({@value FarsyncServer#JOB_CHANNEL}): a session channel whose
 * CHANNEL_OPEN carries the job request itself, so the request travels in the login flight
 * ({@link PipelinedLogin}) instead of a round trip later, once the server's channel number is known
 * (a subsystem request and channel data both need it). RFC 4254 section 5.1 gives every channel
 * type its own data after the window and packet sizes; this type's is one string, the request as
 * JSON (what {@link ControlChannel} would have sent as its first line). The server acts on it only
 * once the login succeeded (see {@link ServerJobChannel}); afterwards the channel carries the
 * server's welcome and outcome as a subsystem channel does.
 *
 * <p>Overrides {@link #open()} because sshd writes a CHANNEL_OPEN with no type-specific data and
 * has no hook to add some.
 */
final class JobOpenChannel extends ChannelSession {
    private final byte[] request;

    /** @param request the request as {@link ControlChannel#encode} writes it */
    JobOpenChannel(byte[] request) {
        this.request = request.clone();
    }

    @Override
    public String getChannelType() {
        return FarsyncServer.JOB_CHANNEL;
    }

    /** True when the server answered the open with "unknown channel type": a server without job channels. */
    boolean refusedAsUnknownType() {
        return openFailureReason == SshConstants.SSH_OPEN_UNKNOWN_CHANNEL_TYPE;
    }

    @Override
    public synchronized OpenFuture open() throws IOException {
        if (isClosing()) {
            throw new SshException("job channel closed before it was opened");
        }
        openFuture = new DefaultOpenFuture(toString(), futureLock);
        LocalWindow window = getLocalWindow();
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, request.length + 64);
        buffer.putString(getChannelType());
        buffer.putUInt(getChannelId());
        buffer.putUInt(window.getSize());
        buffer.putUInt(window.getPacketSize());
        buffer.putBytes(request);
        writePacket(buffer);
        return openFuture;
    }
}
