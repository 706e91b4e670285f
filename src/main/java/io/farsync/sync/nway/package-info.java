/**
 * N-way jobs: {@link io.farsync.sync.nway.NwayJob} (the JSON job file: endpoints, hub or mesh,
 * rates, conflict policy) and {@link io.farsync.sync.nway.Schedule} (which pairwise bidirectional
 * syncs make up a round, and which run at once). The CLI's {@code farsync nway} runs the rounds;
 * correctness across three or more replicas comes from the version vectors of
 * {@link io.farsync.sync.version}.
 */
package io.farsync.sync.nway;
