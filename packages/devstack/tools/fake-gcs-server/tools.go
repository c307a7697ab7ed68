//go:build tools

// Package tools pins fake-gcs-server for the local stack; devstack builds it with `go build`.
package tools

import _ "github.com/fsouza/fake-gcs-server"
