package io.farsync.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The server's answers on the control channel: first a welcome (or refusal), at the end the
 * outcome of the job. {@code exit} is an {@link io.farsync.common.ExitCode} name.
 *
 * @param type    "welcome" or "outcome"
 * @param exit    "OK" or the error's exit code name
 * @param message one line for the user when {@code exit} is not OK
 * @param udpPort with a welcome: where the server expects the transport's datagrams
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlMessage(String type, String exit, String message, Integer udpPort) {

    public static final String WELCOME = "welcome";
    public static final String OUTCOME = "outcome";

    public static ControlMessage welcome(int udpPort) {
        return new ControlMessage(WELCOME, "OK", null, udpPort);
    }

    public static ControlMessage failure(String type, String exit, String message) {
        return new ControlMessage(type, exit, message, null);
    }

    public boolean ok() {
        return "OK".equals(exit);
    }
}
