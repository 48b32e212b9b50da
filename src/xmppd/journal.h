/*
 * journal.h: the spool as an append-only journal (journal.c).
 *
 * Accepted messages are appended to preallocated segment files, all the
 * messages of one turn of the loop in one write followed by one
 * fdatasync(): only then do their senders hear "OK".  A message that
 * leaves the queue (confirmed, expired, given up) gets a tombstone
 * record, written at the end of the turn without waiting for the disk
 * (with the turn's other tombstones and messages): if a crash loses it, the
 * message is sent again after the restart, which the protocol allows
 * (same stanza id).  A segment whose messages have all left, and that is
 * the oldest, is reused for new records.
 *
 * Every record carries its length, a sequence number and a CRC-32, so a
 * record cut short or damaged by a crash is found and cut at start-up,
 * never misread.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

#define JOURNAL_SEGMENT		(4u << 20)	/* bytes in a segment file */
#define JOURNAL_RECORD_MAX	(64u << 10)	/* a message's record, at most */

struct journal;

/* A live message found at start-up, and the segment holding it. */
typedef void (*journal_found_fn)(void *arg, const struct spooled *,
    uint64_t segment);

/*
 * Opens the journal in dir (creating its first segment if there is none),
 * cuts a damaged tail, and hands every message not yet done to fn, oldest
 * first.  segsize 0 means JOURNAL_SEGMENT.  Without sync, nothing is
 * fdatasync()ed (messages then survive a crash of any process, not a
 * power loss).  NULL and err on failure.
 */
struct journal *journal_open(const char *dir, size_t segsize, int sync,
	    journal_found_fn fn, void *arg, char *err, size_t errlen);

/*
 * The same without writing anything (the daemon may be running): the
 * live messages go to fn, oldest first.  -1 and err if dir is unreadable.
 */
int	journal_peek(const char *dir, journal_found_fn fn, void *arg,
	    char *err, size_t errlen);

/*
 * Appends n messages in one write and one fdatasync(); on 0 they are on
 * the disk, in the segment given back in *segment.  -1 and err otherwise:
 * nothing of them counts.
 */
int	journal_append(struct journal *, const struct spooled *ms, size_t n,
	    uint64_t *segment, char *err, size_t errlen);

/*
 * The message id, held by segment, has left the queue.  Its tombstone is
 * written with the next journal_append(), or by journal_write_done(): the
 * daemon calls that once a turn, so that the tombstones of a turn take one
 * write, not one each (none of them is synced at once anyway).
 */
void	journal_done(struct journal *, uint64_t segment, const char *id);
void	journal_write_done(struct journal *);

/* Syncs tombstones written since the last sync (at leisure, and at exit). */
void	journal_flush(struct journal *);

/* How many segment files there are, and how many hold live messages. */
void	journal_stats(const struct journal *, size_t *segments, size_t *live);

/* The group commits so far: how many, their messages, their syncs. */
struct journal_sync_stats {
	unsigned long	 commits;	/* journal_append() calls that synced */
	unsigned long	 messages;	/* messages they carried */
	uint64_t	 sync_ns;	/* time in fdatasync(), all of them */
	uint64_t	 sync_max_ns;	/* the longest */
};
void	journal_sync_stats(const struct journal *,
	    struct journal_sync_stats *);

void	journal_close(struct journal *);

/*
 * For the fuzzer and the tests: scans one segment's bytes and hands each
 * valid record's message (type 'M') or tombstone ('D', only the id set)
 * to fn; returns where the valid records end.
 */
typedef void (*journal_record_fn)(void *arg, int type,
    const struct spooled *);
size_t	journal_scan(const unsigned char *data, size_t size,
	    journal_record_fn fn, void *arg);

#endif
