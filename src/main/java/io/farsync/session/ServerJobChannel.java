package io.farsync.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's end of a job channel ({@link JobOpenChannel}): takes the job request from the
 * CHANNEL_OPEN and runs the {@value FarsyncServer#SUBSYSTEM} subsystem on the channel at once, as
 * if the client had requested it and sent the request as its first line.
 *
 * <p>Authentication comes first by construction: sshd hands a CHANNEL_OPEN to its connection
 * service, which creates this channel, only after the login succeeded; before that sshd ends the
 * connection at it or, behind an unsigned public-key query, answers USERAUTH_FAILURE and ignores
 * it: no job either way (FarsyncServerTest shows the first).
 */
final class ServerJobChannel extends ChannelSession {
    /**
     * This class's own warnings. sshd's inherited {@code log} is named after the instance's class,
     * i.e. this one, so logback.xml gives that name sshd's level ({@code FARSYNC_SSH_LOG_LEVEL}):
     * otherwise sshd's own chatter, such as a warning that the exit status could not be written
     * because the client had already closed the session after a successful job, reached users.
     */
    private static final Logger jobLog = LoggerFactory.getLogger(FarsyncServer.class);
    /** Registers the job channel type with sshd's server. */
    static final ChannelFactory FACTORY = new ChannelFactory() {
        @Override
        public String getName() {
            return FarsyncServer.JOB_CHANNEL;
        }

        @Override
        public Channel createChannel(Session session) {
            return new ServerJobChannel();
        }
    };

    private static final String SUBSYSTEM_REQUEST = "subsystem";

    private volatile String request;
    /** Why the open carried no usable request; the job fails with it, on the channel, as a refused welcome. */
    private volatile String problem;

    /**
     * The job request the channel was opened with (JSON, as {@link ControlChannel} reads a line);
     * an IOException saying what was wrong with it.
     */
    String request() throws IOException {
        if (problem != null) {
            throw new IOException(problem);
        }
        return request;
    }

    /**
     * Opens the channel whatever the request looks like: a refused open reaches a client only as
     * sshd's "Generic error while opening channel", while the job's own failure reaches it with
     * the reason (the welcome's message).
     */
    @Override
    protected OpenFuture doInit(Buffer buffer) {
        int length = buffer.available();
        if (length <= Integer.BYTES || length > ControlChannel.MAX_LINE + Integer.BYTES) {
            problem = "a " + FarsyncServer.JOB_CHANNEL + " channel needs a job request of at most "
                    + ControlChannel.MAX_LINE + " bytes, got " + length;
        } else {
            try {
                request = buffer.getString(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                problem = "malformed job request: " + e.getMessage();
            }
        }
        // writes the open confirmation: the subsystem's first data (the welcome) must come after it
        OpenFuture opened = super.doInit(buffer);
        if (opened.isOpened()) {
            startJob(buffer);
        }
        return opened;
    }

    /**
     * What sshd does for a subsystem request that wants no reply: creates the command and wires
     * its streams, marks the channel (no shell, exec or second subsystem on it), then starts it.
     */
    private void startJob(Buffer buffer) {
        try {
            RequestHandler.Result result = handleSubsystemParsed(SUBSYSTEM_REQUEST, FarsyncServer.SUBSYSTEM);
            if (result == RequestHandler.Result.ReplySuccess) {
                type = SUBSYSTEM_REQUEST;
                sendResponse(buffer, SUBSYSTEM_REQUEST, result, false);
                return;
            }
            jobLog.warn("{}: the {} subsystem did not start", this, FarsyncServer.SUBSYSTEM);
        } catch (IOException | RuntimeException e) {
            jobLog.warn("{}: the {} subsystem did not start: {}", this, FarsyncServer.SUBSYSTEM, e.toString());
        }
        close(true);
    }

}
