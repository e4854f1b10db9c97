package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// PullBase reads a base image index. ref must name it by digest
// (registry/repo@sha256:... or registry/repo:tag@sha256:...): a tag alone
// could name another image tomorrow, and the build would not be
// reproducible. opts carry credentials and transport.
func PullBase(ctx context.Context, ref string, opts ...remote.Option) (name.Digest, v1.ImageIndex, error) {
	d, err := name.NewDigest(ref)
	if err != nil {
		return name.Digest{}, nil, fmt.Errorf("base %q: want a reference pinned by digest: %w", ref, err)
	}
	desc, err := remote.Get(d, append([]remote.Option{remote.WithContext(ctx)}, opts...)...)
	if err != nil {
		return name.Digest{}, nil, fmt.Errorf("base %s: %w", ref, err)
	}
	if !desc.MediaType.IsIndex() {
		return name.Digest{}, nil, fmt.Errorf("base %s is a single image (%s): a multi-platform index is required", ref, desc.MediaType)
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return name.Digest{}, nil, fmt.Errorf("base %s: %w", ref, err)
	}
	return d, idx, nil
}

// PushResult says where an index is and what pushing it did.
type PushResult struct {
	// Ref is the index by digest: what Kubernetes workloads reference.
	Ref name.Digest
	// Pushed is false when the registry already had the index, so
	// nothing was uploaded.
	Pushed bool
	// Tagged is true when the tag was added by this push.
	Tagged bool
}

// Push writes the index to repo under tag, unless the repository already
// holds an index of the same digest: then nothing is uploaded, and only a
// missing tag is added. Tags are immutable (the registry enforces it), so
// a tag that already names another digest is an error. auth is the
// registry's credentials (for ECR, from aws.ecr.getAuthorizationToken).
func Push(ctx context.Context, idx v1.ImageIndex, repo name.Repository, tag string, auth authn.Authenticator, opts ...remote.Option) (PushResult, error) {
	digest, err := idx.Digest()
	if err != nil {
		return PushResult{}, err
	}
	res := PushResult{Ref: repo.Digest(digest.String())}
	ro := append([]remote.Option{remote.WithContext(ctx), remote.WithAuth(auth)}, opts...)

	exists, err := present(res.Ref, ro)
	if err != nil {
		return res, err
	}
	tagged := false
	var tref name.Tag
	if tag != "" {
		tref = repo.Tag(tag)
		desc, err := remote.Head(tref, ro...)
		switch {
		case err == nil && desc.Digest != digest:
			return res, fmt.Errorf("tag %s already names %s, not %s: tags are immutable", tref, desc.Digest, digest)
		case err == nil:
			tagged = true
		case !notFound(err):
			return res, fmt.Errorf("look up %s: %w", tref, err)
		}
	}
	switch {
	case !exists && tag != "":
		if err := remote.WriteIndex(tref, idx, ro...); err != nil {
			return res, fmt.Errorf("push %s: %w", tref, err)
		}
		res.Pushed, res.Tagged = true, true
	case !exists:
		if err := remote.WriteIndex(res.Ref, idx, ro...); err != nil {
			return res, fmt.Errorf("push %s: %w", res.Ref, err)
		}
		res.Pushed = true
	case tag != "" && !tagged:
		if err := remote.Tag(tref, idx, ro...); err != nil {
			return res, fmt.Errorf("tag %s: %w", tref, err)
		}
		res.Tagged = true
	}
	return res, nil
}

// present reports whether the registry holds the manifest ref names.
func present(ref name.Reference, ro []remote.Option) (bool, error) {
	_, err := remote.Head(ref, ro...)
	switch {
	case err == nil:
		return true, nil
	case notFound(err):
		return false, nil
	}
	return false, fmt.Errorf("look up %s: %w", ref, err)
}

func notFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}
