/**
 * Scanning a tree: {@link io.farsync.sync.scan.Scanner} walks with lstat only (links recorded,
 * never followed) into {@link io.farsync.sync.scan.Entry} records, skipping the engine's own
 * temp files ({@link io.farsync.sync.scan.TempNames}).
 */
package io.farsync.sync.scan;
