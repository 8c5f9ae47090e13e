// Package planner turns a commit's tree into plumb's view of it: the parsed
// plumb.yaml, the projects (configured and discovered), the local module
// graph, and, between two commits, the projects a change affects with the
// reasons why, in apply order, and the Terraform files it touches that no
// project plans, with the rule that left each unplanned.
//
// It is pure logic over an fs.FS (a commit's tree from vcs, os.DirFS, or
// fstest.MapFS in tests). It imports only the root package and its parsing
// libraries; never vcs, go-git, the network or a database. A tree that also
// implements TreeHasher lets a Loader skip parsing directories it has seen.
package planner
