// Package s3store keeps run artifacts (plumb.Artifacts) in an S3 bucket or
// any S3-compatible server, through aws-sdk-go-v2: the usual AWS credential
// chain, a custom endpoint and path-style addressing for S3-compatible
// servers. Every object is sealed with AES-256-GCM under a key from the
// server's config before it leaves the process, bound to its key name, so
// the bucket alone never reveals a saved plan's real values and an object
// copied under another name does not open.
package s3store
