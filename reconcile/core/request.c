#include "reconcile/core/request.h"

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
