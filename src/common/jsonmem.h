/*
 * jsonmem: jansson's allocations, counted when they fail. jansson answers
 * an allocation failure deep inside json_pack or json_object_set_new with
 * NULL or -1, which code building an object field by field may not see:
 * the object then silently lacks a field. A builder that must be whole (a
 * log entry) reads jsonmem_failures before and after and refuses what it
 * built if the count moved (record/observation.c).
 *
 * jsonmem_install is called once, before any thread starts (main);
 * without it the count never moves.
 */
#ifndef TRUCE_JSONMEM_H
#define TRUCE_JSONMEM_H

#include <stdint.h>

/* Makes jansson allocate through jsonmem (json_set_alloc_funcs). */
void jsonmem_install(void);

/* How many of jansson's allocations failed in the calling thread. */
uint64_t jsonmem_failures(void);

/* How many failed in the whole process (a command whose threads share
   one outcome: truce audit). */
uint64_t jsonmem_failures_all(void);

#endif
