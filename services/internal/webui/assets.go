package webui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets/*
var assetFS embed.FS

// Assets serves the embedded CSS and JavaScript under content-hashed names
// ("/assets/app.3f2a9c1b4d5e.css"): a new build changes the name, so the
// files can be cached for a year and a deployment never mixes an old
// script with a new page.
type Assets struct {
	byPath map[string]asset  // "/assets/app.<hash>.css" -> content
	paths  map[string]string // "app.css" -> "/assets/app.<hash>.css"
}

type asset struct {
	body        []byte
	contentType string
}

func newAssets() *Assets {
	a := &Assets{byPath: map[string]asset{}, paths: map[string]string{}}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	for _, e := range entries {
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		hashed := "/assets/" + strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byPath[hashed] = asset{body: body, contentType: ct}
		a.paths[e.Name()] = hashed
	}
	return a
}

// Path returns the hashed URL of an asset; templates call it as {{asset
// "app.css"}}. An unknown name panics at the first render in tests rather
// than shipping a page with a broken link.
func (a *Assets) Path(name string) string {
	p, ok := a.paths[name]
	if !ok {
		panic("webui: no asset " + name)
	}
	return p
}

func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byPath[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.body)
}
