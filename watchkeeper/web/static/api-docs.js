// Starts Swagger UI on /docs from the OpenAPI document the page names. It is a file rather than an inline
// script because the pages' content security policy runs only this server's own script files; the online
// validator is turned off, since it would send the document to another site.
"use strict";

const root = document.getElementById("swagger-ui");
root.replaceChildren();
window.SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
