/*-------------------------------------------------------------------------
 *
 * segstore.h
 *	  Settings and entry points shared by all of segstore.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGSTORE_H
#define SEGSTORE_H

#define SEGSTORE_AM_NAME		"segstore"
#define SEGSTORE_SCHEMA_NAME	"segstore"

/* GUCs, defined in segstore.c */
extern int	segstore_max_tables;
extern char *segstore_pause_at;

extern void SegPausePoint(const char *step);

#endif							/* SEGSTORE_H */
