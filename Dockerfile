# The service as one image for every process role (docker-compose.yml's `cluster` profile runs it four times).
# Built from the lockfile; the devDependencies stay in the image because `npm run build` needs them (Nest's CLI,
# Prisma's generator) and the migrations are read from prisma/migrations at start.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
# NODE_ENV=production would make npm ci leave the devDependencies out: the build needs them.
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN npm run build
# Attachments, file mail, audit checkpoints, generated keys: one volume shared by every process of a deployment.
ENV STORAGE_DIR=/data PORT=3000
VOLUME /data
EXPOSE 3000
# npm start's flags (package.json), without its build step: the image is built already.
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
