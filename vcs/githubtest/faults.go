package githubtest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/routers"
)

// Fault is an answer a test asks the server to give instead of the real
// one, shaped as GitHub shapes it. Build one with ServerError,
// PrimaryRateLimit, SecondaryRateLimit or ValidationFailed and hand it to
// Inject or InjectRoute. A fault is answered after the credentials are
// checked and before the operation's handler runs, so it changes nothing
// in the server's state: the request did not happen (unless AfterEffect).
type Fault struct {
	Status int
	// after: the operation takes effect before the fault is answered.
	after bool
	// header builds the headers when the fault is answered, so rate limit
	// resets are relative to that moment.
	header func() http.Header
	body   obj
}

const docsURL = "https://docs.github.com/rest"

// ServerError is a plain error answer with status (500, 502, 503, 504, or
// any other) and GitHub's basic error body {"message", "documentation_url"}.
// It sends no rate limit headers.
func ServerError(status int) Fault {
	return Fault{Status: status, body: obj{"message": http.StatusText(status), "documentation_url": docsURL}}
}

// PrimaryRateLimit is GitHub's answer once the hourly quota is spent: 403
// with X-RateLimit-Limit: 5000, X-RateLimit-Remaining: 0, X-RateLimit-Used:
// 5000, X-RateLimit-Resource: core and X-RateLimit-Reset (Unix seconds) a
// minute after the answer; no Retry-After.
func PrimaryRateLimit() Fault {
	return Fault{
		Status: http.StatusForbidden,
		header: func() http.Header {
			h := http.Header{}
			h.Set("X-RateLimit-Limit", "5000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Used", "5000")
			h.Set("X-RateLimit-Resource", "core")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
			return h
		},
		body: obj{"message": "API rate limit exceeded for user ID 1.",
			"documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"},
	}
}

// SecondaryRateLimit is GitHub's answer to too many requests at once: 403
// with Retry-After (whole seconds, at least 1) and the secondary rate
// limit message and documentation URL; X-RateLimit-Remaining is not 0.
func SecondaryRateLimit(retryAfter time.Duration) Fault {
	secs := max(int64((retryAfter+time.Second-1)/time.Second), 1)
	return Fault{
		Status: http.StatusForbidden,
		header: func() http.Header {
			h := http.Header{}
			h.Set("Retry-After", strconv.FormatInt(secs, 10))
			h.Set("X-RateLimit-Limit", "5000")
			h.Set("X-RateLimit-Remaining", "4000")
			return h
		},
		body: obj{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"},
	}
}

// ValidationFailed is GitHub's 422: {"message": "Validation Failed",
// "errors": [{"resource", "field", "code"}], "documentation_url"}, e.g.
// ValidationFailed("IssueComment", "body", "too_long"). No extra headers.
func ValidationFailed(resource, field, code string) Fault {
	return Fault{Status: http.StatusUnprocessableEntity, body: validationError(resource, field, code)}
}

func validationError(resource, field, code string) obj {
	return obj{"message": "Validation Failed", "documentation_url": docsURL,
		"errors": []obj{{"resource": resource, "field": field, "code": code}}}
}

// AfterEffect is f answered after the operation has taken effect, as when
// GitHub creates a comment and then answers 502: the client cannot tell
// whether its request happened.
func (f Fault) AfterEffect() Fault {
	f.after = true
	return f
}

// fault is a queued Fault, for any route (route "") or one route
// ("METHOD /path/template").
type fault struct {
	route string
	Fault
}

// Inject answers the next n API requests, whatever their route, with f.
func (s *Server) Inject(n int, f Fault) { s.queue("", n, f) }

// InjectRoute answers the next n requests of one operation with f; other
// routes are answered as usual. path is the description's template, e.g.
// InjectRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 1, ServerError(502)).
// A route the description subset does not have fails the test (and queues
// nothing). Faults for
// a route are used before faults for any route.
func (s *Server) InjectRoute(method, path string, n int, f Fault) {
	s.t.Helper()
	method = strings.ToUpper(method)
	if !hasOperation(method, path) {
		s.t.Errorf("githubtest: inject: %s %s is not in the description subset", method, path)
		return
	}
	s.queue(method+" "+path, n, f)
}

// FailNext answers the next n API requests with ServerError(status).
func (s *Server) FailNext(n, status int) { s.Inject(n, ServerError(status)) }

// FailRoute answers the next n requests of one operation with
// ServerError(status); see InjectRoute.
func (s *Server) FailRoute(method, path string, n, status int) {
	s.t.Helper()
	s.InjectRoute(method, path, n, ServerError(status))
}

// RateLimitNext answers the next n API requests with PrimaryRateLimit.
func (s *Server) RateLimitNext(n int) { s.Inject(n, PrimaryRateLimit()) }

// RateLimitRoute answers the next n requests of one operation with
// PrimaryRateLimit; see InjectRoute.
func (s *Server) RateLimitRoute(method, path string, n int) {
	s.t.Helper()
	s.InjectRoute(method, path, n, PrimaryRateLimit())
}

func (s *Server) queue(route string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{route: route, Fault: f})
	}
}

// takeFault dequeues the first fault for this route, or else the first
// for any route.
func (s *Server) takeFault(route *routers.Route) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := route.Method + " " + route.Path
	i := -1
	for j, f := range s.faults {
		if f.route == key {
			i = j
			break
		}
		if f.route == "" && i < 0 {
			i = j
		}
	}
	if i < 0 {
		return Fault{}, false
	}
	f := s.faults[i]
	s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
	return f.Fault, true
}

func (f Fault) write(w http.ResponseWriter) {
	if f.header != nil {
		for k, v := range f.header() {
			w.Header()[k] = v
		}
	}
	writeJSON(w, f.Status, f.body)
}
