/*
 * api_pace: the request pacer of the API client, pure arithmetic on a
 * caller's clock (milliseconds) so that tests can drive it. A token bucket
 * holds the request rate under the API's per-key limit; the rate is halved
 * on a 429 and grows back additively (AIMD); the number of requests in
 * flight follows the rate times the measured round-trip time.
 */
#ifndef SIPSYNC_API_PACE_H
#define SIPSYNC_API_PACE_H

#include <stdbool.h>

#define API_PACE_DEFAULT_RPS 190.0 /* just under the documented 200/s */
#define API_PACE_MIN_RPS 1.0
#define API_PACE_GROW_RPS 10.0 /* added back per second without a 429 */
#define API_PACE_MAX_WINDOW 64
#define API_PACE_FIRST_WINDOW 8 /* before any round trip is measured */

struct api_pace {
	double max_rate;   /* requests per second, the --max-rps ceiling */
	double rate;	   /* current rate, in [API_PACE_MIN_RPS, max_rate] */
	double tokens;	   /* requests that may start now (fractional) */
	double rtt_ms;	   /* smoothed request round trip; 0: none yet */
	long long last_ms; /* when tokens were last refilled */
	long long grow_ms; /* when the rate last grew (or was cut) */
	long long cut_ms;  /* when the rate was last halved; -1: never */
};

/* max_rps <= 0: API_PACE_DEFAULT_RPS. Starts with a small burst. */
void api_pace_init(struct api_pace *p, double max_rps, long long now_ms);

/* Takes one token when one is there (true); else false and *wait_ms says
 * when the next one will be. */
bool api_pace_take(struct api_pace *p, long long now_ms, long *wait_ms);

/* A 429: halves the rate (once per round trip: the answers to one burst
 * are one signal), empties the bucket. Returns true when the rate changed. */
bool api_pace_throttled(struct api_pace *p, long long now_ms);

/* An answer that was not a 429: grows the rate back by API_PACE_GROW_RPS
 * per second since the last change, up to max_rate; rtt_ms >= 0 feeds the
 * round-trip estimate. */
void api_pace_answered(struct api_pace *p, long long now_ms, long rtt_ms);

/* Requests in flight the rate needs at the measured round trip (rate x
 * rtt, with a margin), in [1, min(cap, API_PACE_MAX_WINDOW)]. */
int api_pace_window(const struct api_pace *p, int cap);

#endif
