package io.farsync.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The shipped logback.xml (tests run with logback-test.xml): sshd's channel classes log under
 * the instance's class, so its chatter from the job channels must follow sshd's level. A
 * successful sync printed "onExit(ServerJobChannel...) SshException closing shell: Write attempt
 * on closing session" in about one local sync out of six (the client had closed after the job's
 * outcome), while farsync's own warnings must still show.
 */
class ProductionLoggingTest {

    @Test
    void sshdsInheritedLoggingInTheJobChannelsIsAtSshdsLevel_farsyncsOwnWarningsStillShow() throws Exception {
        assumeTrue(System.getenv("FARSYNC_SSH_LOG_LEVEL") == null, "FARSYNC_SSH_LOG_LEVEL set: sshd's level is the caller's");
        URL config = getClass().getResource("/logback.xml");
        assertThat(config).as("the shipped logback.xml on the class path").isNotNull();
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
        try {
            for (Class<?> channel : new Class<?>[] {ServerJobChannel.class, JobOpenChannel.class}) {
                assertThat(context.getLogger(channel).getEffectiveLevel()).as(channel.getSimpleName()).isEqualTo(Level.ERROR);
            }
            assertThat(context.getLogger("org.apache.sshd.server.channel.ChannelSession").getEffectiveLevel()).isEqualTo(Level.ERROR);
            // where ServerJobChannel's own warnings go, and the rest of farsync
            assertThat(context.getLogger(FarsyncServer.class).isWarnEnabled()).isTrue();
            assertThat(context.getLogger("io.farsync.sync.DestinationEndpoint").isWarnEnabled()).isTrue();
        } finally {
            context.stop();
        }
    }
}
