package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

// openRepo opens --repo, or the repository holding the current directory.
func openRepo(dir string) (*vcs.Repo, error) {
	if dir == "" {
		dir = "."
	}
	return vcs.OpenRepo(dir)
}

// loadIndex indexes the commit ref names and returns it with the commit sha.
func loadIndex(l *planner.Loader, repo *vcs.Repo, ref string) (*planner.Index, string, error) {
	tree, sha, err := repo.Tree(ref)
	if err != nil {
		return nil, "", err
	}
	idx, err := l.Load(tree)
	if err != nil {
		return idx, sha, fmt.Errorf("%s at %s:\n%w", planner.ConfigFile, short(sha), err)
	}
	return idx, sha, nil
}

// warn prints the problems that do not stop a verb (broken HCL, missing
// module targets) so they are seen without failing the run.
func warn(w io.Writer, idx *planner.Index) {
	for _, p := range idx.Problems {
		if p.File != planner.ConfigFile {
			fmt.Fprintf(w, "warning: %s\n", p.Error())
		}
	}
}

func short(sha string) string { return sha[:min(len(sha), 12)] }

type projectJSON struct {
	Name        string   `json:"name"`
	Dir         string   `json:"dir"`
	Workspace   string   `json:"workspace"`
	Engine      string   `json:"engine"`
	Version     string   `json:"version"`
	Environment string   `json:"environment"`
	DependsOn   []string `json:"depends_on"`
	Modules     []string `json:"modules"`
	Discovered  bool     `json:"discovered"`
}

type projectsJSON struct {
	FormatVersion string             `json:"format_version"`
	Commit        string             `json:"commit"`
	Projects      []projectJSON      `json:"projects"`
	Directories   []planner.Decision `json:"directories,omitempty"`
}

func (m *Main) projectsCmd() *cobra.Command {
	var repoDir, ref string
	var asJSON, explain bool
	cmd := &cobra.Command{
		Use:   "projects",
		Short: "List the projects at a commit (configured and discovered), in apply order",
		Long: "List the projects at a commit, configured in plumb.yaml and discovered, in apply order.\n" +
			"--explain also shows, for every directory holding .tf or .tofu files, why it is or is not a project.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo, err := openRepo(repoDir)
			if err != nil {
				return err
			}
			defer repo.Close()
			idx, sha, err := loadIndex(planner.NewLoader(), repo, ref)
			if err != nil {
				return err
			}
			warn(m.Stderr, idx)
			if asJSON {
				return m.printProjectsJSON(idx, sha, explain)
			}
			return m.printProjects(idx, sha, explain)
		},
	}
	cmd.Flags().StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	cmd.Flags().StringVar(&ref, "ref", "HEAD", "commit to read: branch, tag or sha")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&explain, "explain", false, "show why each directory is or is not a project")
	return cmd
}

func (m *Main) printProjectsJSON(idx *planner.Index, sha string, explain bool) error {
	out := projectsJSON{FormatVersion: "1", Commit: sha, Projects: []projectJSON{}}
	for _, p := range idx.Projects {
		out.Projects = append(out.Projects, projectJSON{
			Name: p.Name, Dir: p.Dir, Workspace: p.Workspace, Engine: string(p.Engine), Version: p.Version,
			Environment: p.Environment, DependsOn: nonNil(p.DependsOn), Modules: nonNil(p.Modules), Discovered: p.Discovered,
		})
	}
	if explain {
		out.Directories = idx.Decisions
	}
	return writeJSON(m.Stdout, out)
}

func (m *Main) printProjects(idx *planner.Index, sha string, explain bool) error {
	if explain {
		fmt.Fprintf(m.Stdout, "directories at %s:\n", short(sha))
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  DIR\tPROJECT\tWHY")
		for _, d := range idx.Decisions {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.Dir, dash(d.Project), d.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout)
	}
	fmt.Fprintf(m.Stdout, "%d projects at %s, in apply order:\n", len(idx.Projects), short(sha))
	if len(idx.Projects) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tDIR\tWORKSPACE\tENGINE\tENVIRONMENT\tDEPENDS ON\tMODULES")
	for _, p := range idx.Projects {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Dir, p.Workspace, p.Engine,
			dash(p.Environment), dash(strings.Join(p.DependsOn, ", ")), dash(strings.Join(p.Modules, ", ")))
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// worktree is the working tree of repo as an fs.FS, for checking edits
// before they are committed.
func worktree(repo *vcs.Repo) fs.FS { return os.DirFS(repo.Root) }
