package standin

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// localFile is hashicorp/local's local_file. Every argument forces
// replacement, so there is no real Update.
type localFile struct{}

type localFileModel struct {
	Filename            types.String `tfsdk:"filename"`
	Content             types.String `tfsdk:"content"`
	SensitiveContent    types.String `tfsdk:"sensitive_content"`
	ContentBase64       types.String `tfsdk:"content_base64"`
	Source              types.String `tfsdk:"source"`
	FilePermission      types.String `tfsdk:"file_permission"`
	DirectoryPermission types.String `tfsdk:"directory_permission"`
	checksums
}

// checksums are the computed attributes both local_file kinds share; ID is
// the SHA-1 of the content, which is how Read notices an edited file.
type checksums struct {
	ID                  types.String `tfsdk:"id"`
	ContentMD5          types.String `tfsdk:"content_md5"`
	ContentSHA1         types.String `tfsdk:"content_sha1"`
	ContentSHA256       types.String `tfsdk:"content_sha256"`
	ContentBase64SHA256 types.String `tfsdk:"content_base64sha256"`
	ContentSHA512       types.String `tfsdk:"content_sha512"`
	ContentBase64SHA512 types.String `tfsdk:"content_base64sha512"`
}

func newLocalFile() resource.Resource { return localFile{} }

func (localFile) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "local_file"
}

func (localFile) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	input := func(sensitive bool) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Sensitive: sensitive, PlanModifiers: replace}
	}
	perm := func() schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("0777"), PlanModifiers: replace}
	}
	sensitive := input(true)
	sensitive.DeprecationMessage = "Use the local_sensitive_file resource instead."
	attrs := map[string]schema.Attribute{
		"filename":             schema.StringAttribute{Required: true, PlanModifiers: replace},
		"content":              input(false),
		"sensitive_content":    sensitive,
		"content_base64":       input(false),
		"source":               input(false),
		"file_permission":      perm(),
		"directory_permission": perm(),
	}
	for _, name := range checksumNames {
		attrs[name] = schema.StringAttribute{Computed: true}
	}
	resp.Schema = schema.Schema{Attributes: attrs}
}

var checksumNames = []string{"id", "content_md5", "content_sha1", "content_sha256",
	"content_base64sha256", "content_sha512", "content_base64sha512"}

// ValidateConfig enforces hashicorp/local's "exactly one content source".
func (localFile) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m localFileModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	set := 0
	for _, v := range []types.String{m.Content, m.SensitiveContent, m.ContentBase64, m.Source} {
		if !v.IsNull() {
			set++
		}
	}
	if set != 1 {
		resp.Diagnostics.AddError("local_file: invalid content",
			"set exactly one of content, sensitive_content, content_base64 or source")
	}
	for _, p := range []struct {
		name string
		v    types.String
	}{{"file_permission", m.FilePermission}, {"directory_permission", m.DirectoryPermission}} {
		if p.v.IsNull() || p.v.IsUnknown() {
			continue
		}
		if _, err := parseMode(p.v.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root(p.name), "local_file: invalid "+p.name, err.Error())
		}
	}
}

func (localFile) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m localFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	content, err := m.content()
	if err == nil {
		err = writeFile(m.Filename.ValueString(), content, m.FilePermission.ValueString(), m.DirectoryPermission.ValueString())
	}
	if err != nil {
		resp.Diagnostics.AddError("local_file: create "+m.Filename.ValueString(), err.Error())
		return
	}
	m.checksums = checksumsOf(content)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Read drops the resource when the file is gone or no longer holds what was
// applied, so the next plan shows the out-of-band change and recreates it.
func (localFile) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m localFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := os.ReadFile(m.Filename.ValueString())
	if errors.Is(err, fs.ErrNotExist) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("local_file: read "+m.Filename.ValueString(), err.Error())
		return
	}
	if checksumsOf(b).ID != m.ID {
		resp.State.RemoveResource(ctx)
	}
}

func (localFile) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m localFileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (localFile) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m localFileModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := os.Remove(m.Filename.ValueString()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		resp.Diagnostics.AddError("local_file: delete "+m.Filename.ValueString(), err.Error())
	}
}

func (m localFileModel) content() ([]byte, error) {
	switch {
	case !m.Content.IsNull():
		return []byte(m.Content.ValueString()), nil
	case !m.SensitiveContent.IsNull():
		return []byte(m.SensitiveContent.ValueString()), nil
	case !m.ContentBase64.IsNull():
		b, err := base64.StdEncoding.DecodeString(m.ContentBase64.ValueString())
		if err != nil {
			return nil, fmt.Errorf("content_base64 is not valid base64: %w", err)
		}
		return b, nil
	default:
		return os.ReadFile(m.Source.ValueString())
	}
}

func writeFile(name string, content []byte, filePerm, dirPerm string) error {
	fm, err := parseMode(filePerm)
	if err != nil {
		return fmt.Errorf("file_permission: %w", err)
	}
	dm, err := parseMode(dirPerm)
	if err != nil {
		return fmt.Errorf("directory_permission: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(name), dm); err != nil {
		return err
	}
	return os.WriteFile(name, content, fm)
}

// parseMode accepts what hashicorp/local accepts: 3 or 4 octal digits.
func parseMode(s string) (os.FileMode, error) {
	if len(s) < 3 || len(s) > 4 {
		return 0, fmt.Errorf("%q must be 3 or 4 octal digits, e.g. \"0644\"", s)
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, fmt.Errorf("%q must be 3 or 4 octal digits, e.g. \"0644\"", s)
	}
	return os.FileMode(n), nil
}

func checksumsOf(b []byte) checksums {
	s1 := sha1.Sum(b)
	s256 := sha256.Sum256(b)
	s512 := sha512.Sum512(b)
	m5 := md5.Sum(b)
	return checksums{
		ID:                  types.StringValue(hex.EncodeToString(s1[:])),
		ContentMD5:          types.StringValue(hex.EncodeToString(m5[:])),
		ContentSHA1:         types.StringValue(hex.EncodeToString(s1[:])),
		ContentSHA256:       types.StringValue(hex.EncodeToString(s256[:])),
		ContentBase64SHA256: types.StringValue(base64.StdEncoding.EncodeToString(s256[:])),
		ContentSHA512:       types.StringValue(hex.EncodeToString(s512[:])),
		ContentBase64SHA512: types.StringValue(base64.StdEncoding.EncodeToString(s512[:])),
	}
}
