package adaptertest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Build compiles the Go package pkg (an import path, or a directory such as
// "." or "./cmd/acme-crm" relative to the current directory) with the go
// command into dir and returns the binary's path; the binary is named after
// the package's last path element. A plugin's tests use it in TestMain to
// check the built binary with TestBinary or CheckBinary. The error carries
// the compiler's output.
func Build(ctx context.Context, pkg, dir string) (string, error) {
	name := filepath.Base(pkg)
	if name == "." || name == "" {
		abs, err := filepath.Abs(pkg)
		if err != nil {
			return "", fmt.Errorf("adaptertest: build %s: %w", pkg, err)
		}
		name = filepath.Base(abs)
	}
	out := filepath.Join(dir, name)
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("adaptertest: go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}
