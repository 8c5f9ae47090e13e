// Package jobs holds what plumb does when something happens, one file per
// job: a pull request's plans (pull.go), a merged pull request's applies
// (merge.go), comment commands (command.go), pushes to the default branch
// (push.go); dispatch.go says which job an event starts.
//
// Jobs tell the story; runner runs each project. Jobs use runner, planner
// and the pure packages, and reach adapters only through the root's
// interfaces (plumb.Forge, plumb.Store): they never import vcs, store/*,
// queue or server.
package jobs
