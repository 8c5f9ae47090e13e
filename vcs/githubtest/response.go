package githubtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// capture holds an answer until it has been checked against the
// description, so a handler's mistake fails the test before plumb sees it.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newCapture() *capture { return &capture{header: http.Header{}} }

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// flush sends the held answer on to the client.
func (c *capture) flush(w http.ResponseWriter) {
	for k, v := range c.header {
		w.Header()[k] = v
	}
	if c.status == 0 {
		c.status = http.StatusOK
	}
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body.Bytes())
}

// checkResponse validates an answer against the response the description
// documents for its status code: the body's schema (required fields,
// types, enums, formats) and the documented headers. A status the
// operation does not document (GitHub answers 5xx and some 422s it never
// wrote down) is let through, as GitHub's own clients must.
func checkResponse(r *http.Request, route *routers.Route, params map[string]string, c *capture) error {
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: c.header,
		Body:   io.NopCloser(bytes.NewReader(c.body.Bytes())),
		Options: &openapi3filter.Options{
			MultiError: true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s: the test server's %d answer does not match GitHub's schema for it:\n\t%s\nbody: %.1000s",
			r.Method, route.Path, status, strings.Join(problems(err), "\n\t"), c.body.String())
	}
	return nil
}

// problems lists what is wrong with an answer, one line per field. The
// validator's own messages embed the whole schema, thousands of lines for a
// pull request, which would bury the one field at fault.
func problems(err error) []string {
	var multi openapi3.MultiError
	var schema *openapi3.SchemaError
	var resp *openapi3filter.ResponseError
	switch {
	case errors.As(err, &multi):
		var out []string
		for _, e := range multi {
			out = append(out, problems(e)...)
		}
		return out
	case errors.As(err, &schema):
		return []string{"/" + strings.Join(schema.JSONPointer(), "/") + ": " + schema.Reason}
	case errors.As(err, &resp) && resp.Err != nil:
		return problems(resp.Err)
	case errors.As(err, &resp):
		return []string{resp.Reason}
	}
	return []string{err.Error()}
}
