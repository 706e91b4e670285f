/** Snapshot databases: per endpoint and session, what was in sync after the last run. */
package io.farsync.sync.snapshot;
