// Command compose-config loads a Compose file the way `docker compose config` does, with the
// compose-spec reference loader (compose-go): interpolation, schema validation, normalization and
// the consistency checks (depends_on, networks, volumes, secrets must name something declared).
// It prints the resolved project as JSON, or the loader's error and exit status 1.
//
//	compose-config [--profile NAME]... FILE
//
// Only the variables passed in the environment are interpolated; no .env file is read, so the
// result does not depend on the machine it runs on.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	var profiles []string
	args := os.Args[1:]
	for len(args) >= 2 && args[0] == "--profile" {
		profiles = append(profiles, args[1])
		args = args[2:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [--profile NAME]... FILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(args[0])
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithDiscardEnvFile,
		cli.WithProfiles(profiles),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
