/*
 * The API response parsers (reconcile/api_parse.h) on arbitrary bytes: a
 * SipConfig, a registration page, a created registration and an error body
 * must each parse or fail cleanly, never crash or leak.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/api/api_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, const char *secret)
{
	(*(size_t *)ctx) += strlen(secret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct sip_config sip;
	struct registration *regs = NULL;
	size_t n = 0, total = 0;
	char *why = NULL, *next = NULL;

	if (api_parse_sip(body, size, &sip, &why) == 0)
		model_sip_release(&sip);
	free(why);
	why = NULL;
	api_parse_page(body, size, &regs, &n, &next, &why);
	for (size_t i = 0; i < n; i++)
		model_registration_release(&regs[i]);
	free(regs);
	free(next);
	free(why);
	free(api_parse_registration_id(body, size));
	bool cut = false;
	free(api_parse_error(body, size, &cut));

	char *text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
		api_parse_body_secrets(text, count, &total);
		free(text);
	}
	return 0;
}
