/**
 * Applying entries at the destination: {@link io.farsync.sync.apply.Applier} writes only inside
 * the root, through real directories, and makes files appear atomically under their final name.
 */
package io.farsync.sync.apply;
