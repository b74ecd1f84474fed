/* placeholder until the loader lands */
#include "schema/load.h"

int load_desired(struct desired_state **out, const struct source *src,
		 const struct load_opts *opts, struct diag_list *diags)
{
	(void)src;
	(void)opts;
	*out = NULL;
	diag_add(diags, DIAG_ERROR, NULL, NULL, "loader not implemented yet");
	return -1;
}
