/*
 * The request pacer (api_pace.h): a token bucket with an AIMD rate.
 */
#include "reconcile/api/api_pace.h"

/* Rounds a non-negative x up (no libm for one call). */
static double round_up(double x)
{
	double w = (double)(long long)x;
	return w < x ? w + 1 : w;
}

/* Bucket depth: 50 ms worth of requests, at least one. A deeper bucket
 * would let a burst go over the per-second limit. */
static double depth(const struct api_pace *p)
{
	double d = p->rate / 20.0;
	return d < 1.0 ? 1.0 : d;
}

void api_pace_init(struct api_pace *p, double max_rps, long long now_ms)
{
	p->max_rate = max_rps > 0 ? max_rps : API_PACE_DEFAULT_RPS;
	if (p->max_rate < API_PACE_MIN_RPS)
		p->max_rate = API_PACE_MIN_RPS;
	p->rate = p->max_rate;
	p->tokens = depth(p);
	p->rtt_ms = 0;
	p->last_ms = p->grow_ms = now_ms;
	p->cut_ms = -1;
}

static void refill(struct api_pace *p, long long now_ms)
{
	if (now_ms <= p->last_ms)
		return;
	p->tokens += p->rate * (double)(now_ms - p->last_ms) / 1000.0;
	if (p->tokens > depth(p))
		p->tokens = depth(p);
	p->last_ms = now_ms;
}

bool api_pace_take(struct api_pace *p, long long now_ms, long *wait_ms)
{
	refill(p, now_ms);
	if (p->tokens >= 1.0) {
		p->tokens -= 1.0;
		*wait_ms = 0;
		return true;
	}
	*wait_ms = (long)round_up((1.0 - p->tokens) * 1000.0 / p->rate);
	if (*wait_ms < 1)
		*wait_ms = 1;
	return false;
}

bool api_pace_throttled(struct api_pace *p, long long now_ms)
{
	long long gap = p->rtt_ms > 0 ? (long long)p->rtt_ms : 100;
	refill(p, now_ms);
	p->tokens = 0;
	p->grow_ms = now_ms;
	if (p->cut_ms >= 0 && now_ms - p->cut_ms < gap)
		return false;
	p->cut_ms = now_ms;
	double was = p->rate;
	p->rate /= 2;
	if (p->rate < API_PACE_MIN_RPS)
		p->rate = API_PACE_MIN_RPS;
	return p->rate != was;
}

void api_pace_answered(struct api_pace *p, long long now_ms, long rtt_ms)
{
	if (rtt_ms >= 0) /* smoothed as TCP does: 7/8 old, 1/8 new */
		p->rtt_ms = p->rtt_ms > 0 ? p->rtt_ms * 0.875 + rtt_ms * 0.125
					  : (double)rtt_ms;
	if (now_ms <= p->grow_ms)
		return;
	refill(p, now_ms);
	p->rate += API_PACE_GROW_RPS * (double)(now_ms - p->grow_ms) / 1000.0;
	if (p->rate > p->max_rate)
		p->rate = p->max_rate;
	p->grow_ms = now_ms;
}

int api_pace_window(const struct api_pace *p, int cap)
{
	int max =
	    cap > 0 && cap < API_PACE_MAX_WINDOW ? cap : API_PACE_MAX_WINDOW;
	double want = API_PACE_FIRST_WINDOW;
	if (p->rtt_ms > 0) /* a quarter more, for the spread of latencies */
		want = round_up(p->rate * p->rtt_ms / 1000.0 * 1.25) + 1;
	if (want > max)
		return max;
	return want < 1 ? 1 : (int)want;
}
