resource "null_resource" "x" {
  triggers = {
