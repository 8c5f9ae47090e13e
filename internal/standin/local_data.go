package standin

import (
	"context"
	"encoding/base64"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// localFileData is hashicorp/local's local_file data source.
type localFileData struct{}

type localFileDataModel struct {
	Filename      types.String `tfsdk:"filename"`
	Content       types.String `tfsdk:"content"`
	ContentBase64 types.String `tfsdk:"content_base64"`
	checksums
}

func newLocalFileData() datasource.DataSource { return localFileData{} }

func (localFileData) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "local_file"
}

func (localFileData) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"filename":       schema.StringAttribute{Required: true},
		"content":        schema.StringAttribute{Computed: true},
		"content_base64": schema.StringAttribute{Computed: true},
	}
	for _, name := range checksumNames {
		attrs[name] = schema.StringAttribute{Computed: true}
	}
	resp.Schema = schema.Schema{Attributes: attrs}
}

func (localFileData) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m localFileDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := os.ReadFile(m.Filename.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("data.local_file: read "+m.Filename.ValueString(), err.Error())
		return
	}
	m.Content = types.StringValue(string(b))
	m.ContentBase64 = types.StringValue(base64.StdEncoding.EncodeToString(b))
	m.checksums = checksumsOf(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
