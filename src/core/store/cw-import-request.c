/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CwImportRequest: what an import brings (inputs, password, name, roles). */
#include "config.h"

#include "cw-store-private.h"

#include <string.h>

void
cw_input_free (CwInput *input)
{
  g_free (input->label);
  g_bytes_unref (input->data);
  g_free (input);
}

CwImportRequest *
cw_import_request_new (void)
{
  CwImportRequest *request = g_new0 (CwImportRequest, 1);

  request->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_input_free);
  return request;
}

void
cw_import_request_add (CwImportRequest *request, const gchar *label, GBytes *data)
{
  CwInput *input = g_new0 (CwInput, 1);

  input->label = g_strdup (label);
  input->data = g_bytes_ref (data);
  g_ptr_array_add (request->inputs, input);
}

void
cw_import_request_free (CwImportRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->name);
  g_ptr_array_unref (request->inputs);
  if (request->password != NULL)
    explicit_bzero (request->password, strlen (request->password));
  g_free (request->password);
  g_strfreev (request->roles);
  g_free (request->tenant);
  g_clear_pointer (&request->spec, cw_issue_spec_free);
  g_clear_pointer (&request->acme, cw_acme_spec_free);
  g_free (request);
}
