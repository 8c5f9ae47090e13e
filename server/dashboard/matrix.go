package dashboard

import (
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// matrix writes the estate's table rows. At 5,000 projects the template
// engine's reflection cost more than every query of the page together, so
// the cells are written here, each value escaped for where it goes (text,
// attribute, URL path); the page around them stays a template.
func matrix(rows []Row) template.HTML {
	now := time.Now()
	var b strings.Builder
	b.Grow(len(rows) * 1200)
	for _, row := range rows {
		b.WriteString("<tr>\n  <td>")
		b.WriteString(html.EscapeString(row.Repo))
		b.WriteString(`</td><th scope="row">`)
		b.WriteString(html.EscapeString(row.Family))
		b.WriteString("</th>\n  ")
		for _, c := range row.Cells {
			if c == nil {
				b.WriteString(`<td class="cell none">—</td>`)
				continue
			}
			writeCell(&b, c, now)
		}
		b.WriteString("\n</tr>")
	}
	return template.HTML(b.String())
}

func writeCell(b *strings.Builder, c *Cell, now time.Time) {
	esc := html.EscapeString
	drift := string(c.Drift)
	if drift == "" {
		drift = "unchecked"
	}
	b.WriteString(`<td class="cell drift-` + esc(drift) + `" data-project="` + esc(c.Project) + `" data-env="` + esc(c.Environment) + `">`)
	b.WriteString("\n    <a class=\"name\" href=\"" + esc(pathURL(projectURL(c.Repo, c.Project))) + `">` + esc(c.Project) + "</a>")
	b.WriteString("\n    <div class=\"drift\">")
	switch {
	case c.Drift == "":
		b.WriteString("drift unchecked")
	case c.DriftRun != "":
		b.WriteString(`<a href="` + esc(runURL(c.DriftRun)) + `">` + esc(string(c.Drift)) + "</a>")
	default:
		b.WriteString(esc(string(c.Drift)))
	}
	if c.Drift != "" {
		b.WriteString(` <span class="age">` + ago(now, c.DriftChecked) + "</span>")
	}
	b.WriteString("</div>\n    <div class=\"apply\">")
	if a := c.LastApply; a != nil {
		b.WriteString(`applied <a href="` + esc(runURL(a.ID)) + `"><code>` + esc(short(a.Commit)) + "</code></a> " +
			ago(now, a.At) + " by " + esc(a.Trigger))
	} else {
		b.WriteString("never applied")
	}
	b.WriteString("</div>")
	if p := c.PendingPlan; p != nil {
		s := p.Summary
		b.WriteString("\n    <div class=\"pending\">" + esc(p.Trigger) + ` plan: <a href="` + esc(runURL(p.ID)) + `">+` +
			strconv.Itoa(s.Add) + " ~" + strconv.Itoa(s.Change) + " -" + strconv.Itoa(s.Destroy) + "</a></div>")
	}
	if l := c.Lock; l != nil {
		b.WriteString("\n    <div class=\"lock\">locked by " + esc(l.Owner) + "</div>")
	}
	b.WriteString("\n  </td>")
}

func runURL(id string) string { return "/runs/" + url.PathEscape(id) }

// pathURL escapes each segment of a slash-separated path.
func pathURL(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// ago is how long before now t was, "never" when it is zero.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return Age(now.Sub(t)) + " ago"
}
