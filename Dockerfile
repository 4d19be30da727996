# syntax=docker/dockerfile:1
# Multi-stage build: the GraphiQL bundle (npm, pinned by package-lock.json),
# then a static Go binary, then a distroless non-root image holding only it.

FROM node:20-bookworm-slim AS graphiql
WORKDIR /src/graphiql/web
COPY graphiql/web/package.json graphiql/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY graphiql/web/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=graphiql /src/graphiql/dist/ ./graphiql/dist/
ARG VERSION=docker
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" -o /out/scoutgraph .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scoutgraph /scoutgraph
USER nonroot:nonroot
ENV LISTEN_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/scoutgraph"]
