package standin

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Provider serves every stand-in type whatever address it is installed
// under; Terraform ignores the types a configuration does not use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the provider; it has no configuration, like the real ones.
func New() provider.Provider { return &Provider{} }

func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "standin"
}

func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{Description: "Stand-in for hashicorp/null, random and local."}
}

func (p *Provider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *Provider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newNullResource, newRandomString, newLocalFile}
}

func (p *Provider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newLocalFileData}
}
