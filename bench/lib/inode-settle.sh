# Sourced by the benchmarks that delete a tree and then create files on the same file system.
#
# ext4 without a journal (this machine's root file system) skips every inode freed in the last 60 s,
# or 5 min while its inode-table block is still dirty, when it allocates a new one, and checks each
# of them on the way (fs/ext4/ialloc.c: find_inode_bit -> recently_deleted). A tree of 10,000-20,000
# files deleted just before a run made the destination's file creations several times dearer: half
# of its session thread's CPU in recently_deleted (perf, session 10), growing with every run that
# deleted the previous one's tree. That is the benchmark's own doing, not a sync's, so:
#   delete_tree DIR...  rm -rf; when that freed more than 1,000 inodes, inodes_freed
#   inodes_freed        after a large delete of one's own: flushes the inode tables (sync) and notes the time
#   inodes_settle [S]   before a measured run: waits until S (default 61) s have passed since then
# The kernel's window is 60 s, and 360 s for an inode-table block that is dirty when checked: a run
# creating files beside inodes freed there dirties that block itself, so 61 s covers a run that
# creates its files elsewhere, and only 361 covers one creating them in the directories the deleted
# files were in (bench/scale.sh: it moves its previous additions aside instead, see there).
# A journalled ext4 (the usual) never checks; there `inodes_settle` costs a wait after large deletes only.
INODE_STAMP=${INODE_STAMP:-/tmp/farsync-bench-inodes-freed}
delete_tree() {
    local d n=0
    for d in "$@"; do
        [[ -e $d ]] || continue
        n=$((n + $(find "$d" 2>/dev/null | wc -l || true)))    # a file vanishing meanwhile is no error
        rm -rf "$d"
    done
    if ((n > 1000)); then
        inodes_freed
    fi
}
inodes_freed() {
    sync
    date +%s >"$INODE_STAMP"
}
inodes_settle() {
    [[ -f $INODE_STAMP ]] || return 0
    local stamp window=${1:-61}; stamp=$(cat "$INODE_STAMP" 2>/dev/null || true)
    [[ $stamp =~ ^[0-9]+$ ]] || { rm -f "$INODE_STAMP"; return 0; }
    local left=$((10#$stamp + window - $(date +%s)))
    if ((left > 0)); then
        echo "waiting $left s for the inodes freed before this run to age (bench/lib/inode-settle.sh) ..." >&2
        sleep "$left"
    fi
    rm -f "$INODE_STAMP"
}
