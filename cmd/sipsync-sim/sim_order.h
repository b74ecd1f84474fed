/*
 * sim_order: each account's registrations in the order the list endpoint
 * serves them, kept between requests, so that a page is a binary search
 * for its cursor and a slice, not a sort of the whole list.
 *
 * The order is (created, registrationId) compared bytewise, equal keys in
 * the order the registrations array stores them (a stable sort of it).
 * One entry per registrations array, keyed by the array itself (a
 * reference is held, so a freed array's address cannot be mistaken for
 * it). Every change to a registrations array must go through
 * sim_order_add / sim_order_remove, or be followed by sim_order_clear;
 * an entry whose count no longer matches its array is rebuilt. Changing
 * other fields of a registration (PATCH, health) keeps the order.
 * Caller holds the state's lock. Private to sipsync-sim.
 */
#ifndef SIPSYNC_SIM_ORDER_H
#define SIPSYNC_SIM_ORDER_H

#include <jansson.h>
#include <stddef.h>

struct sim_order;

/* The registrations of `regs` in list order: *n of them, borrowed until
 * the next change or sim_order_clear. NULL when out of memory. */
json_t *const *sim_order_get(struct sim_order **list, json_t *regs, size_t *n);

/* `reg` was just appended to `regs`: puts it in place (after the equal
 * keys), or drops the entry when it cannot. */
void sim_order_add(struct sim_order **list, json_t *regs, json_t *reg);

/* `reg`, an element of `regs`, is about to be removed from it: takes it
 * out of the order (call before the removal, while reg is alive). */
void sim_order_remove(struct sim_order **list, json_t *regs, json_t *reg);

/* Forgets every order (the model was replaced, or is freed). */
void sim_order_clear(struct sim_order **list);

#endif
