package dashboard

import (
	"html"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

// reference is the estate's rows as the template engine wrote them before
// matrix took over: the oracle matrix is held to.
const reference = `{{range .}}<tr>
  <td>{{.Repo}}</td><th scope="row">{{.Family}}</th>
  {{range .Cells}}{{if .}}<td class="cell drift-{{if .Drift}}{{.Drift}}{{else}}unchecked{{end}}" data-project="{{.Project}}" data-env="{{.Environment}}">
    <a class="name" href="{{projectURL .Repo .Project}}">{{.Project}}</a>
    <div class="drift">{{if .Drift}}{{if .DriftRun}}<a href="/runs/{{.DriftRun}}">{{.Drift}}</a>{{else}}{{.Drift}}{{end}} <span class="age">{{ago .DriftChecked}}</span>{{else}}drift unchecked{{end}}</div>
    <div class="apply">{{with .LastApply}}applied <a href="/runs/{{.ID}}"><code>{{short .Commit}}</code></a> {{ago .At}} by {{.Trigger}}{{else}}never applied{{end}}</div>
    {{with .PendingPlan}}<div class="pending">{{.Trigger}} plan: <a href="/runs/{{.ID}}">+{{.Summary.Add}} ~{{.Summary.Change}} -{{.Summary.Destroy}}</a></div>{{end}}
    {{with .Lock}}<div class="lock">locked by {{.Owner}}</div>{{end}}
  </td>{{else}}<td class="cell none">—</td>{{end}}{{end}}
</tr>{{end}}`

func TestMatrixMatchesTemplate(t *testing.T) {
	t.Parallel()
	old := time.Now().Add(-26 * time.Hour)
	rows := []Row{
		{Repo: "acme/infra", Family: "app", Cells: []*Cell{
			{Repo: "acme/infra", Project: "app-dev", Environment: "dev", Drift: plumb.DriftDrifted, DriftRun: "run-1", DriftChecked: old,
				LastApply: &RunRef{ID: "run-2", Commit: "0123456789abcdef", Trigger: "PR #4", At: old},
				Lock:      &plumb.Lock{Owner: "PR #7"}, PendingPlan: &RunRef{ID: "run-3", Trigger: "PR #7", Summary: plumb.PlanSummary{Add: 1, Change: 2, Destroy: 3}}},
			nil,
			{Repo: "acme/infra", Project: "app-prod", Environment: "prod", Drift: plumb.DriftClean, DriftChecked: old},
		}},
		{Repo: "acme/infra", Family: "net", Cells: []*Cell{nil, {Repo: "acme/infra", Project: "net-staging", Environment: "staging"}, nil}},
	}
	ref := template.Must(template.New("ref").Funcs(template.FuncMap{"short": short, "projectURL": projectURL,
		"ago": func(t time.Time) string { return ago(time.Now(), t) }}).Parse(reference))
	var want strings.Builder
	if err := ref.Execute(&want, rows); err != nil {
		t.Fatal(err)
	}
	// The two escape a few characters differently (&#43; for +) and the
	// template leaves blank lines: the oracle compares what a browser reads.
	read := func(s string) string { return strings.Join(strings.Fields(html.UnescapeString(s)), " ") }
	if got := read(string(matrix(rows))); got != read(want.String()) {
		t.Errorf("matrix differs from the template:\n got %s\nwant %s", got, want.String())
	}
}

// TestMatrixEscapes: names come from plumb.yaml and PR authors: nothing
// in them breaks out of its text, attribute or link.
func TestMatrixEscapes(t *testing.T) {
	t.Parallel()
	evil := `x"><img src=x onerror=alert(1)>&`
	rows := []Row{{Repo: evil, Family: evil, Cells: []*Cell{{Repo: "a/b", Project: evil, Environment: evil, Drift: plumb.DriftStatus(evil),
		DriftRun: evil, LastApply: &RunRef{ID: evil, Commit: evil, Trigger: evil}, Lock: &plumb.Lock{Owner: evil},
		PendingPlan: &RunRef{ID: evil, Trigger: evil}}}}}
	got := string(matrix(rows))
	if strings.Contains(got, "<img") || strings.Contains(got, `x">`) {
		t.Errorf("matrix lets markup through:\n%s", got)
	}
	if !strings.Contains(got, `href="/projects/a/b/x%22%3E%3Cimg%20src=x%20onerror=alert%281%29%3E&amp;"`) {
		t.Errorf("project link not escaped as a path:\n%s", got)
	}
}
