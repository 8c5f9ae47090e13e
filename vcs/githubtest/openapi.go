package githubtest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// openapiJSON is the subset of GitHub's REST description (npm
// @octokit/openapi, generated/api.github.com.json) that plumb calls; made
// by scripts/github-fixtures.sh.
//
//go:embed testdata/openapi.json
var openapiJSON []byte

var (
	specOnce   sync.Once
	specRouter routers.Router
	specDoc    *openapi3.T
	specErr    error
	specLoad   time.Duration
)

// SpecLoadTime is how long loading and indexing the description took (0
// before the first request), so tests can keep its cost visible.
func SpecLoadTime() time.Duration {
	_, _ = router()
	return specLoad
}

// router loads the description once per test binary.
func router() (routers.Router, error) {
	specOnce.Do(func() {
		start := time.Now()
		// Plain JSON decoding then resolving refs is 4x faster than
		// LoadFromData, which goes through a YAML parser.
		doc := &openapi3.T{}
		if err := json.Unmarshal(openapiJSON, doc); err != nil {
			specErr = fmt.Errorf("decode openapi subset: %w", err)
			return
		}
		if err := openapi3.NewLoader().ResolveRefsIn(doc, nil); err != nil {
			specErr = fmt.Errorf("resolve openapi subset: %w", err)
			return
		}
		// Match on paths alone: the test server's URL is not api.github.com.
		doc.Servers = nil
		specDoc = doc
		// GitHub's own examples do not all match its schemas; they are not
		// what is being checked here.
		specRouter, specErr = legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
		specLoad = time.Since(start)
	})
	return specRouter, specErr
}

// hasOperation reports whether the description subset has method on the
// path template (e.g. "/repos/{owner}/{repo}/issues/{issue_number}/comments").
func hasOperation(method, path string) bool {
	if _, err := router(); err != nil {
		return false
	}
	item := specDoc.Paths.Value(path)
	return item != nil && item.GetOperation(strings.ToUpper(method)) != nil
}

// validate checks one API request against GitHub's description: the route
// must exist, and its parameters and body must be ones the real API takes.
// It returns the matched route and its path parameters.
func validate(r *http.Request, body []byte) (*routers.Route, map[string]string, error) {
	rt, err := router()
	if err != nil {
		return nil, nil, err
	}
	route, params, err := rt.FindRoute(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: not in GitHub's REST API: %w", r.Method, r.URL.Path, err)
	}
	// ghinstallation sends a JSON null when it has no token options, and
	// github.com takes that as no body: validate it as none.
	if string(bytes.TrimSpace(body)) == "null" {
		body = nil
	}
	// The validator reads the body; give it a copy and keep ours.
	vr := r.Clone(r.Context())
	vr.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			RejectWhenRequestBodyNotSpecified: true,
			MultiError:                        true,
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return nil, nil, fmt.Errorf("%s %s: GitHub would reject this request: %w", r.Method, route.Path, err)
	}
	if err := unknownFields(route, body); err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", r.Method, route.Path, err)
	}
	return route, params, nil
}

// unknownFields is stricter than the description: GitHub ignores body
// fields it does not know, which hides a misspelt field, so any top-level
// field the operation does not declare fails the test.
func unknownFields(route *routers.Route, body []byte) error {
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || len(mt.Schema.Value.Properties) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil // not an object: ValidateRequest has judged it already
	}
	var unknown []string
	for k := range fields {
		if _, ok := mt.Schema.Value.Properties[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("body has fields the operation does not declare: %v", unknown)
	}
	return nil
}
