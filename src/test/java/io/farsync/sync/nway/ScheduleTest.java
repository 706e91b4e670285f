package io.farsync.sync.nway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Job files and the rounds they give: every pair run once, by one node, hub spokes at once. */
class ScheduleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static NwayJob job(String json) throws Exception {
        return NwayJob.parse(JSON.readTree(json));
    }

    @Test
    void mesh_withSelf_eachPairIsRunByTheNodeListedFirst() throws Exception {
        NwayJob j = job("{\"endpoints\": [{\"name\": \"a\", \"path\": \"ha:/d\", \"local\": \"/d\"}, {\"name\": \"b\", \"path\": \"hb:/d\"},"
                + " {\"name\": \"c\", \"path\": \"hc:/d\"}]}");
        assertThat(labels(Schedule.of(j, e -> false, "a"))).containsExactly("a <-> b", "a <-> c");
        assertThat(Schedule.of(j, e -> false, "a").get(0).concurrent()).as("a node's own pairs share only its root: at once").isTrue();
        assertThat(labels(Schedule.of(j, e -> false, "b"))).containsExactly("b <-> c");
        assertThat(labels(Schedule.of(j, e -> false, "c"))).isEmpty();
        assertThatThrownBy(() -> Schedule.of(j, e -> false, null)).hasMessageContaining("mesh pair a-b joins two remote endpoints");
    }

    @Test
    void hub_servesEverySpokeInOneConcurrentPhase() throws Exception {
        NwayJob j = job("{\"topology\": \"hub\", \"hub\": \"h\", \"endpoints\": [{\"name\": \"s1\", \"path\": \"x:/d\"},"
                + " {\"name\": \"h\", \"path\": \"/d\"}, {\"name\": \"s2\", \"path\": \"/e\"}]}");
        List<Schedule.Phase> phases = Schedule.of(j, e -> e.path().startsWith("/"), null);
        assertThat(phases).hasSize(1);
        assertThat(phases.get(0).concurrent()).isTrue();
        assertThat(labels(phases)).containsExactly("h <-> s1", "h <-> s2");
        assertThatThrownBy(() -> Schedule.of(j, e -> false, null)).hasMessageContaining("the hub 'h' must be a local path");
    }

    @Test
    void badJobs_nameTheProblem() {
        assertThatThrownBy(() -> job("{\"topology\": \"ring\", \"endpoints\": []}")).hasMessageContaining("unknown topology 'ring'");
        assertThatThrownBy(() -> job("{\"endpoints\": [{\"name\": \"a\", \"path\": \"/x\"}]}")).hasMessageContaining("at least two");
        assertThatThrownBy(() -> job("{\"endpoints\": [{\"name\": \"a\", \"path\": \"/x\"}, {\"name\": \"a\", \"path\": \"/y\"}]}"))
                .hasMessageContaining("two endpoints are named 'a'");
        assertThatThrownBy(() -> job("{\"hub\": \"a\", \"endpoints\": [{\"name\": \"a\", \"path\": \"/x\"}, {\"name\": \"b\", \"path\": \"/y\"}]}"))
                .hasMessageContaining("'hub' is only for topology hub");
        assertThatThrownBy(() -> job("{\"endpoints\": [{\"name\": \"a b\", \"path\": \"/x\"}, {\"name\": \"b\", \"path\": \"/y\"}]}"))
                .hasMessageContaining("endpoint name 'a b'");
        assertThatThrownBy(() -> job("{\"rates\": \"1G\", \"endpoints\": []}")).hasMessageContaining("unknown job field 'rates'");
    }

    private static List<String> labels(List<Schedule.Phase> phases) {
        return phases.stream().flatMap(p -> p.links().stream()).map(Schedule.Link::label).toList();
    }
}
