#include "reconcile/core/request.h"

#include <stdlib.h>
#include <string.h>

#include "reconcile/base/str.h"

const char *request_method_name(enum request_method m)
{
	switch (m) {
	case REQUEST_GET:
		return "GET";
	case REQUEST_POST:
		return "POST";
	case REQUEST_PATCH:
		return "PATCH";
	case REQUEST_DELETE:
		return "DELETE";
	}
	return "GET";
}

void request_release(struct request *r)
{
	if (!r)
		return;
	free(r->path);
	str_wipe_free(r->body);
	free(r->body_redacted);
	free(r->create_key);
	memset(r, 0, sizeof(*r));
}
